/** Every subcommand of `maker`, in help order. Add a command by writing its file and listing it here. */
import type { Command } from 'commander';
import type { CommandContext } from './main.ts';
import { registerBench } from './bench.ts';
import { registerCalibrate } from './calibrate.ts';
import { registerConvexity } from './convexity.ts';
import { registerEstimate } from './estimate.ts';
import { registerKmin } from './kmin.ts';
import { registerPlan } from './plan.ts';
import { registerReport } from './report.ts';
import { registerResume } from './resume.ts';
import { registerRun } from './run.ts';
import { registerServe } from './serve.ts';
import { registerWorker } from './worker.ts';

export type RegisterCommand = (program: Command, context: CommandContext) => void;

export const COMMANDS: readonly RegisterCommand[] = [registerRun, registerResume, registerReport, registerConvexity, registerBench, registerWorker, registerServe, registerKmin, registerEstimate, registerPlan, registerCalibrate];
