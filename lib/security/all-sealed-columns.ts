// Imports every module that registers a sealed column (see sealed-columns.ts). Features add a line here.
import "@/lib/connectors/sealing";
import "@/lib/webhooks/sealing";
import "@/lib/api/idempotency";
