// Reading cookies from a `document.cookie` string. Pure: no DOM access.

/**
 * The value of one cookie in a `document.cookie`-style string, or null when absent.
 * Values are percent-decoded when they can be; a malformed encoding is returned as is.
 * @param {string} cookieString e.g. "a=1; lw_csrf=abc"
 * @param {string} name
 * @returns {string | null}
 */
export function readCookie(cookieString, name) {
  if (!cookieString) return null;
  for (const part of cookieString.split(";")) {
    const eq = part.indexOf("=");
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (key !== name) continue;
    let value = eq < 0 ? "" : part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return null;
}
