import type { Operation } from "../operation";
import * as auth from "./auth";
import * as apiKeys from "./api-keys";
import * as indexes from "./indexes";
import * as connectors from "./connectors";
import * as imports from "./imports";
import * as prompts from "./prompts";
import * as webhooks from "./webhooks";
import * as exportOps from "./exports";

// Every operation of /api/v2: the OpenAPI document is generated from this list, and a test checks
// that every route file under app/api/v2 appears in it.
export const ALL_OPERATIONS: Operation[] = [auth, apiKeys, indexes, connectors, imports, prompts, webhooks, exportOps].flatMap((m) => Object.values(m) as Operation[]);
