/** What both runtimes' HTTP servers (http-server.ts, node/http-server.ts) take and give. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface HttpServerOptions {
  hostname: string;
  port: number;
  /**
   * Answers a request; remoteIp is the client address as the runtime saw it, rawTarget the request
   * target exactly as sent when the runtime keeps it (Node does; Bun.serve resolves `.` and `..`
   * segments in req.url and offers nothing else).
   */
  fetch: (req: Request, remoteIp: string, rawTarget?: string) => Response | Promise<Response>;
  /** Serve HTTPS with this certificate chain and key (PEM files, read now). */
  tls?: TlsFiles;
  /** Share the port with a successor process during a certificate reload (SO_REUSEPORT). */
  reusePort?: boolean;
  /** The largest request header section accepted; larger ones get 431. */
  maxHeaderBytes: number;
  /**
   * The answer to a request the HTTP parser refuses, where the runtime lets the server answer it
   * (Node). Bun.serve answers such requests itself, with a bare 431 or 400.
   */
  unparsable?: (problem: "headers-too-large" | "malformed") => {
    status: number;
    headers: Record<string, string>;
    body: string;
  };
}

export interface HttpServer {
  port: number;
  /** "http" or "https". */
  scheme: string;
  /** Stops accepting connections and resolves when in-flight requests have finished. */
  stop(): Promise<void>;
}
