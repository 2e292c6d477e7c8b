package dev.secateur.prune.engine;

/**
 * How a run removes its FFN and head targets: in one step (one-shot), or in front-loaded steps (adaptive), each a full
 * run of the streaming engine on the previous step's pruned checkpoint, with optional recovery fine-tuning in between.
 *
 * @param steps 1 for one-shot; at least 2 for adaptive
 * @param recoverSteps optimizer steps of recovery on the calibration text between two steps; 0: none
 */
public record PruneSchedule(boolean adaptive, int steps, int recoverSteps) {
    public static final PruneSchedule ONE_SHOT = new PruneSchedule(false, 1, 0);

    public PruneSchedule {
        if (adaptive ? steps < 2 : steps != 1) {
            throw new InvalidOptionException("scheduleSteps", "schedule " + (adaptive ? "adaptive needs at least 2 steps" : "one-shot has 1 step")
                    + ", not " + steps);
        }
        if (recoverSteps < 0 || (!adaptive && recoverSteps > 0)) {
            throw new InvalidOptionException("recoverSteps", "recover steps run between adaptive steps and are >= 0, not " + recoverSteps);
        }
    }

    public static PruneSchedule adaptive(int steps, int recoverSteps) {
        return new PruneSchedule(true, steps, recoverSteps);
    }

    public String name() {
        return adaptive ? "adaptive" : "one-shot";
    }
}
