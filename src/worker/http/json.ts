/** JSON responses in the reference's content type. */
export function json(status: number, body: unknown, headers?: HeadersInit): Response {
  const response = new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
  if (headers) for (const [name, value] of new Headers(headers)) response.headers.set(name, value);
  return response;
}
