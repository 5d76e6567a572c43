/**
 * The learning-rate schedule and loss bookkeeping of dlib's `dnn_trainer` (`dlib/dnn/trainer.h`,
 * dlib 19.24), apart from the network: what decides when the learning rate shrinks.
 *
 * dlib's training thread, for every mini-batch (`dnn_trainer::thread`):
 *   1. computes the loss and the parameter gradients;
 *   2. `record_loss(loss)`: `gradient_check_budget += 200`, the loss goes into the running mean
 *      (`rs`, for `get_average_loss`) and at the back of `previous_loss_values`, from whose front
 *      values are dropped while it holds more than `iter_without_progress_thresh`;
 *   3. updates the parameters with the **current** learning rate;
 *   4. if `gradient_check_budget > iter_without_progress_thresh` and the shrink factor is not 1:
 *      the budget goes back to 0 and `steps_without_progress =
 *      count_steps_without_decrease(previous_loss_values)`; if that reaches the threshold, it is
 *      recomputed with `count_steps_without_decrease_robust`, and if that also reaches it, the
 *      learning rate is multiplied by the shrink factor, steps_without_progress is set to 0 and
 *      the oldest 400 + threshold/10 losses are dropped (`drop_some_previous_loss_values`);
 *      otherwise, with an explicit learning-rate schedule, the next rate of the schedule is taken.
 * So a shrink decided after step s takes effect from step s + 1, and with the default threshold
 * (2000) the check runs every 11 steps (the budget grows by 200 per step). Training stops once
 * the learning rate falls below the minimum (`train()`'s loops; dlib's examples test it
 * themselves).
 *
 * Left out: the test-loss path (`test_one_step`: its own history, threshold 500, drop 100 + 50),
 * the synchronisation file and its "loss is increasing, reload the last state" logic, and the
 * multi-device averaging.
 */
import { countStepsWithoutDecrease, countStepsWithoutDecreaseRobust } from './running-gradient.js';

/** dlib's default learning rate (`dnn_trainer::init`: 1e-2). */
export const DEFAULT_LEARNING_RATE = 1e-2;
/** dlib's default minimum learning rate (1e-5). */
export const DEFAULT_MIN_LEARNING_RATE = 1e-5;
/** dlib's default iterations-without-progress threshold (2000). */
export const DEFAULT_ITERATIONS_WITHOUT_PROGRESS_THRESHOLD = 2000;
/** dlib's default learning-rate shrink factor (0.1). */
export const DEFAULT_LEARNING_RATE_SHRINK_FACTOR = 0.1;
/** dlib's `previous_loss_values_dump_amount` (400). */
const PREVIOUS_LOSS_VALUES_DUMP_AMOUNT = 400;
/** What record_loss adds to `gradient_check_budget` per step. */
const GRADIENT_CHECK_BUDGET_STEP = 200;

/** Options of {@link LearningRateSchedule} (dnn_trainer's setters; dlib's defaults when absent). */
export interface LearningRateScheduleOptions {
  /** `set_learning_rate` (> 0). */
  learningRate?: number;
  /** `set_min_learning_rate` (> 0). */
  minLearningRate?: number;
  /** `set_iterations_without_progress_threshold`. */
  iterationsWithoutProgressThreshold?: number;
  /** `set_learning_rate_shrink_factor` (0 < f <= 1; 1 disables the plateau test). */
  learningRateShrinkFactor?: number;
  /** `set_learning_rate_schedule`: explicit rates (then min = the smallest, shrink factor 1). */
  schedule?: readonly number[];
}

/** Everything {@link LearningRateSchedule} needs to resume (a checkpoint's share of dnn_trainer's sync file). */
export interface LearningRateScheduleState {
  learningRate: number;
  minLearningRate: number;
  iterationsWithoutProgressThreshold: number;
  learningRateShrinkFactor: number;
  stepsWithoutProgress: number;
  gradientCheckBudget: number;
  previousLossValues: number[];
  schedule: number[];
  schedulePos: number;
  /** The running mean's sum and count (`rs`, cleared by {@link LearningRateSchedule.clearAverageLoss}). */
  lossSum: number;
  lossCount: number;
  /** Steps recorded so far. */
  steps: number;
}

/** What {@link LearningRateSchedule.record} reports. */
export interface RecordResult {
  /** True when this step's check shrank the learning rate (the next step uses the smaller rate). */
  shrunk: boolean;
  /** Whether the plateau test ran at this step (every 11th step with the default threshold). */
  checked: boolean;
}

/**
 * dnn_trainer's learning-rate logic for one device. Per training step:
 * `const lr = schedule.learningRate` (the rate the step's parameter update uses), compute the
 * loss and update with `lr`, then `schedule.record(loss)`; stop when `!schedule.shouldContinue()`
 * (or whatever test the training loop uses, e.g. dlib's metric example's `lr >= 1e-4`).
 */
export class LearningRateSchedule {
  private lr: number;
  private minLr: number;
  private threshold: number;
  private shrink: number;
  private stepsNoProgress = 0;
  private budget = 0;
  private history: number[] = [];
  private scheduleValues: number[] = [];
  private schedulePos = 0;
  private lossSum = 0;
  private lossCount = 0;
  private stepCount = 0;

  constructor(opts: LearningRateScheduleOptions = {}) {
    this.lr = DEFAULT_LEARNING_RATE;
    this.minLr = DEFAULT_MIN_LEARNING_RATE;
    this.threshold = DEFAULT_ITERATIONS_WITHOUT_PROGRESS_THRESHOLD;
    this.shrink = DEFAULT_LEARNING_RATE_SHRINK_FACTOR;
    if (opts.learningRate !== undefined) this.setLearningRate(opts.learningRate);
    if (opts.minLearningRate !== undefined) this.setMinLearningRate(opts.minLearningRate);
    if (opts.iterationsWithoutProgressThreshold !== undefined) this.setIterationsWithoutProgressThreshold(opts.iterationsWithoutProgressThreshold);
    if (opts.learningRateShrinkFactor !== undefined) this.setLearningRateShrinkFactor(opts.learningRateShrinkFactor);
    if (opts.schedule !== undefined) this.setSchedule(opts.schedule);
  }

  /** `get_learning_rate()`: the rate the next step uses. */
  get learningRate(): number {
    return this.lr;
  }

  /** `get_min_learning_rate()`. */
  get minLearningRate(): number {
    return this.minLr;
  }

  /** `get_iterations_without_progress_threshold()`. */
  get iterationsWithoutProgressThreshold(): number {
    return this.threshold;
  }

  /** `get_learning_rate_shrink_factor()`. */
  get learningRateShrinkFactor(): number {
    return this.shrink;
  }

  /** `get_steps_without_progress()`: as of the last plateau test (0 right after a shrink). */
  get stepsWithoutProgress(): number {
    return this.stepsNoProgress;
  }

  /** The losses the plateau test looks at (`previous_loss_values`, oldest first), a copy. */
  get previousLossValues(): number[] {
    return this.history.slice();
  }

  /** Steps recorded so far. */
  get steps(): number {
    return this.stepCount;
  }

  /** `train()`'s loop condition: the learning rate is still >= the minimum. */
  shouldContinue(): boolean {
    return this.lr >= this.minLr;
  }

  /**
   * `set_learning_rate(lr)`: a different rate clears steps_without_progress and the loss
   * history; any call drops an explicit schedule.
   */
  setLearningRate(lr: number): void {
    if (!(lr > 0)) throw new RangeError(`learning rate must be > 0, got ${lr}`);
    if (this.lr !== lr) {
      this.stepsNoProgress = 0;
      this.history = [];
    }
    this.lr = lr;
    this.scheduleValues = [];
  }

  /** `set_min_learning_rate(lr)` (drops an explicit schedule). */
  setMinLearningRate(lr: number): void {
    if (!(lr > 0)) throw new RangeError(`min learning rate must be > 0, got ${lr}`);
    this.scheduleValues = [];
    this.minLr = lr;
  }

  /** `set_iterations_without_progress_threshold(n)` (drops an explicit schedule). */
  setIterationsWithoutProgressThreshold(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`iterations without progress threshold must be a non-negative integer, got ${n}`);
    this.scheduleValues = [];
    this.threshold = n;
  }

  /** `set_learning_rate_shrink_factor(f)`: 0 < f <= 1; resets steps_without_progress (drops an explicit schedule). */
  setLearningRateShrinkFactor(f: number): void {
    if (!(f > 0 && f <= 1)) throw new RangeError(`learning rate shrink factor must be in (0, 1], got ${f}`);
    this.scheduleValues = [];
    this.shrink = f;
    this.stepsNoProgress = 0;
  }

  /** `set_learning_rate_schedule(s)`: rate s[0] now, min = min(s), shrink factor 1, then s[1], s[2], ... */
  setSchedule(schedule: readonly number[]): void {
    if (schedule.length === 0 || !schedule.every((v) => v > 0)) throw new RangeError('learning rate schedule must be non-empty and positive');
    this.setLearningRate(schedule[0]);
    this.setMinLearningRate(Math.min(...schedule));
    this.setLearningRateShrinkFactor(1);
    this.scheduleValues = schedule.slice();
    this.schedulePos = 0;
  }

  /** `get_average_loss()`: the mean of the losses recorded since the last {@link clearAverageLoss} (0 if none). */
  get averageLoss(): number {
    return this.lossCount !== 0 ? this.lossSum / this.lossCount : 0;
  }

  /** `clear_average_loss()` (train() calls it at the start of every epoch). */
  clearAverageLoss(): void {
    this.lossSum = 0;
    this.lossCount = 0;
  }

  /**
   * A finished training step's loss: `record_loss`, then (after the step's parameter update,
   * which used {@link learningRate} as it was before this call) the plateau test that may shrink
   * the learning rate for the following steps.
   */
  record(loss: number): RecordResult {
    // record_loss.
    this.budget += GRADIENT_CHECK_BUDGET_STEP;
    this.lossSum += loss;
    this.lossCount += 1;
    this.history.push(loss);
    while (this.history.length > this.threshold) this.history.shift();
    this.stepCount++;

    // The check after update_parameters.
    let shrunk = false;
    let checked = false;
    if (this.budget > this.threshold && this.shrink !== 1) {
      checked = true;
      this.budget = 0;
      this.stepsNoProgress = countStepsWithoutDecrease(this.history);
      if (this.stepsNoProgress >= this.threshold) {
        this.stepsNoProgress = countStepsWithoutDecreaseRobust(this.history);
        if (this.stepsNoProgress >= this.threshold) {
          this.lr = this.shrink * this.lr;
          this.stepsNoProgress = 0;
          // drop_some_previous_loss_values.
          const drop = PREVIOUS_LOSS_VALUES_DUMP_AMOUNT + Math.floor(this.threshold / 10);
          this.history.splice(0, Math.min(drop, this.history.length));
          shrunk = true;
        }
      }
    } else if (this.scheduleValues.length !== 0) {
      this.lr = this.schedulePos < this.scheduleValues.length
        ? this.scheduleValues[this.schedulePos++]
        : this.scheduleValues[this.scheduleValues.length - 1] * 0.99;
    }
    return { shrunk, checked };
  }

  /** The state a checkpoint needs (plain JSON: numbers and arrays of doubles). */
  toJSON(): LearningRateScheduleState {
    return {
      learningRate: this.lr,
      minLearningRate: this.minLr,
      iterationsWithoutProgressThreshold: this.threshold,
      learningRateShrinkFactor: this.shrink,
      stepsWithoutProgress: this.stepsNoProgress,
      gradientCheckBudget: this.budget,
      previousLossValues: this.history.slice(),
      schedule: this.scheduleValues.slice(),
      schedulePos: this.schedulePos,
      lossSum: this.lossSum,
      lossCount: this.lossCount,
      steps: this.stepCount,
    };
  }

  /** A schedule in the state {@link toJSON} saved. */
  static fromJSON(s: LearningRateScheduleState): LearningRateSchedule {
    const fields: (keyof LearningRateScheduleState)[] = ['learningRate', 'minLearningRate', 'iterationsWithoutProgressThreshold',
      'learningRateShrinkFactor', 'stepsWithoutProgress', 'gradientCheckBudget', 'schedulePos', 'lossSum', 'lossCount', 'steps'];
    for (const k of fields) {
      if (typeof s[k] !== 'number' || !Number.isFinite(s[k])) throw new RangeError(`learning rate schedule state: ${k} must be a finite number`);
    }
    if (!Array.isArray(s.previousLossValues) || !Array.isArray(s.schedule)) throw new RangeError('learning rate schedule state: previousLossValues and schedule must be arrays');
    const r = new LearningRateSchedule();
    r.lr = s.learningRate;
    r.minLr = s.minLearningRate;
    r.threshold = s.iterationsWithoutProgressThreshold;
    r.shrink = s.learningRateShrinkFactor;
    r.stepsNoProgress = s.stepsWithoutProgress;
    r.budget = s.gradientCheckBudget;
    r.history = s.previousLossValues.slice();
    r.scheduleValues = s.schedule.slice();
    r.schedulePos = s.schedulePos;
    r.lossSum = s.lossSum;
    r.lossCount = s.lossCount;
    r.stepCount = s.steps;
    return r;
  }
}
