import { handle } from "@/lib/api/handler";
import { validateAuth } from "@/lib/api/operations/auth";

export const GET = handle(validateAuth, async () => ({ body: null, status: 204 }));
