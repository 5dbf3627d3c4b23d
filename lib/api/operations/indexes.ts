import { z } from "zod";
import { defineOperation } from "../operation";
import { ArrayListQuery } from "../pagination";
import { CreateIndexBody, IndexObject, UpdateIndexBody } from "@/lib/indexes/schemas";
import { MessageResponse } from "./common";

const base = { tag: "indexes", auditTarget: "index" };

export const createIndexOp = defineOperation({
  ...base, id: "indexes.create", method: "POST", path: "/indexes", scope: "write", status: 201, body: CreateIndexBody,
  response: IndexObject, summary: "Create an index.",
});
export const listIndexesOp = defineOperation({
  ...base, id: "indexes.list", method: "GET", path: "/indexes", scope: "search", query: ArrayListQuery, list: "array",
  response: z.array(IndexObject), summary: "List indexes (newest first).",
});
export const getIndexOp = defineOperation({
  ...base, id: "indexes.get", method: "GET", path: "/indexes/{index_id}", scope: "search", response: IndexObject, summary: "Get an index.",
});
export const updateIndexOp = defineOperation({
  ...base, id: "indexes.update", method: "PATCH", path: "/indexes/{index_id}", scope: "write", body: UpdateIndexBody,
  response: IndexObject, summary: "Rename an index or change its description.",
});
export const deleteIndexOp = defineOperation({
  ...base, id: "indexes.delete", method: "DELETE", path: "/indexes/{index_id}", scope: "admin", response: MessageResponse,
  summary: "Delete an index and everything in it.",
});
