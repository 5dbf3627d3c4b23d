import { handlePublic } from "@/lib/api/handler";
import { eventCatalog } from "@/lib/webhooks/event-catalog";

export const GET = handlePublic(async () => eventCatalog());
