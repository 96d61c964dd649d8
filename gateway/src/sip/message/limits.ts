/** Bounds on what the parser accepts; beyond them a message is dropped or the stream closed. */
export const LIMITS = {
  /** A UDP datagram can be no larger; on streams, the header section. */
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 64 * 1024,
  maxDatagramBytes: 65_535,
  maxHeaders: 200,
};
