import { handle } from "@/lib/api/handler";
import { retryDeliveryOp } from "@/lib/api/operations/webhooks";
import { retryDelivery } from "@/lib/webhooks/deliveries";
import { toDeliveryDto } from "@/lib/webhooks/dto";

export const POST = handle(retryDeliveryOp, async ({ workspaceId, params }) => ({
  body: toDeliveryDto(await retryDelivery(workspaceId, params.delivery_id)),
}));
