#!/usr/bin/env node
/**
 * The `effect-iiko` executable: runs the command line with Node's services and exits with its
 * code. Ctrl-C interrupts the running command, which stops cleanly.
 *
 * @since 0.1.0
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect, Exit, Runtime, Stdio } from "effect"
import * as Cli from "./Cli.ts"

const program = Stdio.Stdio.use((stdio) => Effect.flatMap(stdio.args, Cli.main)).pipe(
  Effect.provide(NodeServices.layer)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) =>
    Exit.isSuccess(exit) && typeof exit.value === "number" ? onExit(exit.value) : Runtime.defaultTeardown(exit, onExit)
})
