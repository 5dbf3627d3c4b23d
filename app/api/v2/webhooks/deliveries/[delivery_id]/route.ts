import { handle } from "@/lib/api/handler";
import { getDeliveryOp } from "@/lib/api/operations/webhooks";
import { getDelivery } from "@/lib/webhooks/deliveries";
import { toDeliveryDto } from "@/lib/webhooks/dto";

export const GET = handle(getDeliveryOp, async ({ workspaceId, params }) => ({
  body: toDeliveryDto(await getDelivery(workspaceId, params.delivery_id)),
}));
