/**
 * How a command fails: a message for the user and the exit code it maps to.
 *
 * | exit code | meaning |
 * |---|---|
 * | 0 | done |
 * | 1 | the command ran and failed: iiko refused, the check found a problem, the database failed |
 * | 2 | bad usage: unknown command, flag or operation, a body that is not JSON or fails the schema |
 * | 130 | interrupted (Ctrl-C); a sync commits nothing partial and resumes on the next run |
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * @since 0.1.0
 * @category errors
 */
export class CliFailure extends Schema.TaggedError<CliFailure>()("CliFailure", {
  reason: Schema.Literals(["Usage", "Failed"]),
  message: Schema.String
}) {
  /** The process exit code for this failure. */
  get exitCode(): number {
    return this.reason === "Usage" ? 2 : 1
  }
}

/**
 * A failure of the user's input (exit code 2).
 *
 * @since 0.1.0
 * @category constructors
 */
export const usage = (message: string): CliFailure => new CliFailure({ reason: "Usage", message })

/**
 * A failure of the work itself (exit code 1).
 *
 * @since 0.1.0
 * @category constructors
 */
export const failed = (message: string): CliFailure => new CliFailure({ reason: "Failed", message })
