// API errors: what went wrong, in words for people. Pure: no DOM access.

/** An error answer of the REST API (or a failure to reach it). */
export class ApiError extends Error {
  /**
   * @param {number} status   HTTP status, 0 when the server could not be reached
   * @param {string} code     the API's stable error code
   * @param {string} message  a sentence to show people
   * @param {Record<string, unknown>} [details]
   */
  constructor(status, code, message, details = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Messages for statuses whose body said nothing useful. */
const STATUS_TEXT = /** @type {Record<number, string>} */ ({
  400: "The request was not valid.",
  401: "Please sign in.",
  403: "You do not have permission to do that.",
  404: "Not found.",
  409: "That conflicts with a change someone else made.",
  413: "That upload is too large.",
  422: "Some of the values are not valid.",
  429: "Too many requests; please wait a moment.",
  500: "The server ran into a problem.",
  502: "The server is not reachable right now.",
  503: "The server is busy or down for maintenance.",
});

/**
 * The ApiError for a failed response, from its status and its parsed body (if any).
 * Understands `{"error": {"code", "message", "details"}}`; falls back to FastAPI's `{"detail": …}`.
 * @param {number} status
 * @param {unknown} body
 * @returns {ApiError}
 */
export function errorFromResponse(status, body) {
  const fallback = STATUS_TEXT[status] ?? `The request failed (HTTP ${status}).`;
  if (body && typeof body === "object") {
    const b = /** @type {Record<string, any>} */ (body);
    if (b.error && typeof b.error === "object") {
      const e = b.error;
      const message = typeof e.message === "string" && e.message ? e.message : fallback;
      return new ApiError(status, String(e.code ?? "error"), message, e.details ?? {});
    }
    if (typeof b.detail === "string") return new ApiError(status, "error", b.detail);
    if (Array.isArray(b.detail) && b.detail[0]?.msg) {
      const first = b.detail[0];
      const where = Array.isArray(first.loc) ? first.loc.filter((/** @type {unknown} */ p) => p !== "body").join(".") : "";
      return new ApiError(status, "invalid", where ? `${where}: ${first.msg}` : first.msg, { errors: b.detail });
    }
  }
  return new ApiError(status, "http_error", fallback);
}

/**
 * A message to show for anything thrown: an ApiError's own message, or a generic one.
 * @param {unknown} err
 * @returns {string}
 */
export function messageOf(err) {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return "Something went wrong.";
}
