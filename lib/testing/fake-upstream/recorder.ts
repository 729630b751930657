/** The log of everything that reached the fake, so tests can assert what a gateway forwarded. */

export type RecordedRequest = {
  /** Position in the log, from 1. */
  seq: number;
  /** Server clock (ms) when the request arrived. */
  at: number;
  transport: 'http' | 'websocket';
  /** A websocket upgrade is a `request`; each frame the client sends afterwards is a `ws-message`. */
  kind: 'request' | 'ws-message';
  /** Links an upgrade to its frames. */
  connectionId?: number;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Header pairs exactly as they came off the wire (original case and order); empty for frames. */
  headers: Array<[name: string, value: string]>;
  /** The decoded JSON body or frame, when it was JSON. */
  body: unknown;
  /** Size of the body after content-encoding was undone. */
  bodyBytes: number;
  /** The account the credentials resolved to, when they did. */
  accountId?: string;
};

export function recordedHeader(request: RecordedRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return request.headers.find(([header]) => header.toLowerCase() === wanted)?.[1];
}

export function headerPairs(rawHeaders: readonly string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) pairs.push([rawHeaders[i], rawHeaders[i + 1]]);
  return pairs;
}

export class RequestRecorder {
  readonly entries: RecordedRequest[] = [];
  private nextSeq = 1;

  constructor(private readonly nowMs: () => number) {}

  record(entry: Omit<RecordedRequest, 'seq' | 'at'>): RecordedRequest {
    const recorded = { seq: this.nextSeq++, at: this.nowMs(), ...entry };
    this.entries.push(recorded);
    return recorded;
  }

  clear(): void {
    this.entries.length = 0;
  }
}
