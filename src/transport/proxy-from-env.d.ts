// proxy-from-env 2.x ships no types: the one function we use.
declare module 'proxy-from-env' {
  /** The proxy URL for `url` by HTTP(S)_PROXY / ALL_PROXY / NO_PROXY in process.env; '' = direct. */
  export function getProxyForUrl(url: string | URL): string;
}
