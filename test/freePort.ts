/**
 * A free TCP port on 127.0.0.1 for the throwaway servers the test setups start (PostgreSQL,
 * Redis): listen on port 0, read the port the system chose, close.
 */
import { createServer } from "node:net"

export const freePort = (): Promise<number> =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })
