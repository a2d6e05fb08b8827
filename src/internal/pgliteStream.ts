/**
 * A PostgreSQL wire-protocol stream into an in-process PGlite: `@effect/sql-pg` writes its
 * frontend messages here exactly as to a socket, and PGlite answers with backend messages. One
 * SQL dialect and one driver for the embedded and the real server, no TCP in between.
 *
 * PGlite is a single session, so the client using this stream must hold one connection.
 */
import type { PGlite } from "@electric-sql/pglite"
import { Duplex } from "node:stream"

const SSL_REQUEST = 80877103
const PROTOCOL_3 = 196608

/** Splits complete frontend messages off `buffer`: the startup packet has no type byte. */
const nextMessage = (buffer: Buffer): number => {
  if (buffer.length >= 8 && buffer.readInt32BE(4) === PROTOCOL_3) return buffer.readInt32BE(0)
  if (buffer.length >= 5) return 1 + buffer.readInt32BE(1)
  return 0
}

/**
 * A new duplex stream for one connection to `db`. SSL requests are refused (`N`), as a local
 * server without TLS does.
 */
export const connect = (db: PGlite): Duplex => {
  let pending: Buffer = Buffer.alloc(0)
  let queue: Promise<void> = Promise.resolve()
  const stream: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      const messages: Array<Uint8Array> = []
      for (;;) {
        if (pending.length >= 8 && pending.readInt32BE(0) === 8 && pending.readInt32BE(4) === SSL_REQUEST) {
          pending = pending.subarray(8)
          stream.push(Buffer.from("N"))
          continue
        }
        const length = nextMessage(pending)
        if (length === 0 || pending.length < length) break
        messages.push(new Uint8Array(pending.subarray(0, length)))
        pending = pending.subarray(length)
      }
      queue = queue.then(async () => {
        for (const message of messages) {
          await db.execProtocolRawStream(message, { onRawData: (data) => void stream.push(Buffer.from(data)) })
        }
      })
      queue.then(() => callback(), (error: Error) => callback(error))
    },
    final(callback) {
      queue.then(() => {
        stream.push(null)
        callback()
      }, callback)
    }
  })
  return stream
}
