import http from "node:http";
import type { AddressInfo } from "node:net";

export type LlmRequest = { model: string; messages: { role: string; content: string }[]; response_format: { type: string; json_schema: { name: string; schema: object; strict: boolean } } };
/** Returns the assistant message content (a string) or an HTTP status to fail with. */
export type LlmBehaviour = (req: LlmRequest, n: number) => LlmAnswer | Promise<LlmAnswer>;
type LlmAnswer = { content: string } | { status: number };

/** A local server speaking the OpenAI chat-completions protocol, for the OpenAI-compatible engine's tests. */
export async function startLlmServer(behaviour: LlmBehaviour) {
  const requests: { auth: string | undefined; body: LlmRequest }[] = [];
  let current = behaviour;
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", async () => {
      if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as LlmRequest;
      requests.push({ auth: req.headers.authorization, body });
      const answer = await current(body, requests.length);
      if ("status" in answer) {
        res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "boom" } }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
        id: `chatcmpl-${requests.length}`, object: "chat.completion", model: body.model,
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: answer.content, refusal: null } }],
      }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    setBehaviour(b: LlmBehaviour) {
      current = b;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
