import { z } from "zod";
import { defineOperation } from "../operation";
import { ArrayListQuery } from "../pagination";
import {
  BrowseBody, BrowseEntry, ConnectorObject, ConnectorTestResult, CreateAzureBody, CreateGcsBody, CreateS3Body, PatchConnectorDoc,
} from "@/lib/connectors/schemas";
import { MessageResponse } from "./common";

const base = { tag: "connectors", auditTarget: "connector" };

export const createGcsConnectorOp = defineOperation({
  ...base, id: "connectors.create_gcs", method: "POST", path: "/connectors/gcs", scope: "write", status: 201,
  body: CreateGcsBody, bodyKind: "multipart", response: ConnectorObject,
  summary: "Create a Google Cloud Storage connector (multipart, with the service-account key as credentials_file).",
});
export const createS3ConnectorOp = defineOperation({
  ...base, id: "connectors.create_s3", method: "POST", path: "/connectors/s3", scope: "write", status: 201,
  body: CreateS3Body, response: ConnectorObject, summary: "Create an Amazon S3 or S3-compatible connector.",
});
export const createAzureConnectorOp = defineOperation({
  ...base, id: "connectors.create_azure", method: "POST", path: "/connectors/azure", scope: "write", status: 201,
  body: CreateAzureBody, response: ConnectorObject, summary: "Create an Azure Blob Storage connector.",
});
export const listConnectorsOp = defineOperation({
  ...base, id: "connectors.list", method: "GET", path: "/connectors", scope: "read", query: ArrayListQuery, list: "array",
  response: z.array(ConnectorObject), summary: "List connectors (newest first).",
});
export const getConnectorOp = defineOperation({
  ...base, id: "connectors.get", method: "GET", path: "/connectors/{connector_id}", scope: "read", response: ConnectorObject,
  summary: "Get a connector.",
});
export const updateConnectorOp = defineOperation({
  ...base, id: "connectors.update", method: "PATCH", path: "/connectors/{connector_id}", scope: "write",
  body: PatchConnectorDoc, bodyKind: "auto", response: ConnectorObject,
  summary: "Update mutable fields or rotate credentials (GCS: multipart with a new credentials_file).",
});
export const testConnectorOp = defineOperation({
  ...base, id: "connectors.test", method: "POST", path: "/connectors/{connector_id}/test", scope: "write", rateClass: "costly",
  response: ConnectorTestResult, summary: "Test the connection (list; for export scope also write and delete a probe).",
});
export const browseConnectorOp = defineOperation({
  ...base, id: "connectors.browse", method: "POST", path: "/connectors/{connector_id}/browse", scope: "read", rateClass: "costly",
  body: BrowseBody, list: "array", response: z.array(BrowseEntry), summary: "List files matching a glob under a prefix.",
});
export const deleteConnectorOp = defineOperation({
  ...base, id: "connectors.delete", method: "DELETE", path: "/connectors/{connector_id}", scope: "admin", response: MessageResponse,
  summary: "Delete a connector (409 connector_in_use while referenced).",
});
