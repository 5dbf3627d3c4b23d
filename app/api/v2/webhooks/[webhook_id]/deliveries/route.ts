import { handle } from "@/lib/api/handler";
import { listDeliveriesOp } from "@/lib/api/operations/webhooks";
import { listDeliveries } from "@/lib/webhooks/deliveries";
import { toDeliveryDto } from "@/lib/webhooks/dto";

export const GET = handle(listDeliveriesOp, async ({ workspaceId, params, query }) => {
  const page = await listDeliveries(workspaceId, params.webhook_id, query);
  return { body: page.items.map(toDeliveryDto), nextCursor: page.nextCursor };
});
