import { z } from "zod";

export const MessageResponse = z.object({ message: z.string() });

/** The {data, pagination} envelope of the cursor-paginated lists. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), pagination: z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: z.string().nullable() }) });
