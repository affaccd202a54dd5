/** One line of the access log: who did what to which object, and how it ended. Never a secret. */
export interface AccessLogEntry {
  time: string;
  requestId: string;
  remoteIp: string;
  principal: string;
  accessKeyId: string;
  operation: string;
  method: string;
  bucket: string;
  key: string;
  status: number;
  errorCode?: string;
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  userAgent: string;
}

export type AccessLogSink = (entry: AccessLogEntry) => void;
