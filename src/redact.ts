/**
 * A `password=` / `sslpassword=` parameter of a URL's query (libpq accepts the password there too), up to the
 * next parameter, the end of the URL, or the `: ` of a message the URL is quoted in.
 */
const QUERY_PASSWORD = /([?&](?:ssl)?password=)[^&#\s]*?(?=[&#\s]|:\s|:?$)/gi;
const USERINFO_PASSWORD = /(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi;

/** Replaces the passwords of PostgreSQL URLs (user part and `password=` parameters), anywhere in a text, with `***`. */
export function redactUrl(text: string): string {
  return text.replace(USERINFO_PASSWORD, '$1***@').replace(QUERY_PASSWORD, '$1***');
}
