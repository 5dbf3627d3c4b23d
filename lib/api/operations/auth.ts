import { defineOperation } from "../operation";

export const validateAuth = defineOperation({
  id: "auth.validate", method: "GET", path: "/auth/validate", tag: "auth", scope: "search", status: 204,
  summary: "Check that the credential is valid (204, empty body).",
});
