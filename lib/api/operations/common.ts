import { z } from "zod";

export const MessageResponse = z.object({ message: z.string() });
