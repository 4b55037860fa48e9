/** The `error` object of OpenAI's envelope, as a client saw it. */
export interface ClientErrorBody {
  message: string;
  type?: string;
  param: string | null;
  code: string | null;
}

/**
 * The HTTP status and OpenAI error object of a call of the `openai` or `llama-stack-client`
 * client that fails with the server's error (both throw an APIError carrying `status` and the
 * parsed body as `error`). Throws when the call succeeds, or fails without an HTTP reply.
 */
export async function clientFailure(call: Promise<unknown>): Promise<{ status: number; error: ClientErrorBody }> {
  try {
    await call;
  } catch (error) {
    const { status, error: body } = error as { status?: unknown; error?: unknown };
    if (typeof status !== 'number') throw error;
    const envelope = body as { error?: ClientErrorBody } | undefined;
    return { status, error: envelope?.error ?? (body as ClientErrorBody) };
  }
  throw new Error('the call succeeded');
}
