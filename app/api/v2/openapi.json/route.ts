import { handlePublic } from "@/lib/api/handler";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { ALL_OPERATIONS } from "@/lib/api/operations";

export const GET = handlePublic(async () => buildOpenApiDocument(ALL_OPERATIONS));
