#!/usr/bin/env python3
"""Keras benchmarks for the finale (notebook 06), each a ratio measured within one run.

1. Time per epoch of the seed's CNN trained with the course's Adam
   (``keras_bridge.CourseAdam``, Keras' settings) divided by the time with
   ``keras.optimizers.Adam``: same model, data, batches; with and without
   ``jit_compile``. Goal: at most 1.05. The two models train in alternating
   epochs after one untimed warm-up epoch each (graph building, XLA
   compilation), so a load change on the machine hits both alike.

2. Time to accuracy: wall time from the start of training until the
   held-out accuracy first reaches the target, for the best recipe
   notebook 06 teaches (``finale.BEST_RECIPE``), for lesson 07's recipe
   (``practice.recipe``: AdamW, warmup then cosine over its 2 epochs,
   clipping by global norm, a larger lr and batch) and for the seed
   article's recipe (``finale.SEED_RECIPE``: Keras' Adam defaults, batch
   60), same CNN, several seeds (the order of the recipes rotates from
   seed to seed), medians. Goals: notebook 06's at least 2x faster than
   the seed's, lesson 07's at least 3x.

Both use the offline MNIST sample (4,000 training, 1,000 held-out images)
so the numbers are the same online and offline.

    python benchmarks/bench_keras.py                  # both tables (about 7 minutes on 2 cores)
    python benchmarks/bench_keras.py --rounds 3 --jit-rounds 1 --seeds 1
    python benchmarks/bench_keras.py --only-time-to-accuracy    # table 2 alone (about 2 minutes)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter is not a result
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402

from adamcourse import Adam, finale, practice  # noqa: E402
from adamcourse.data import load_mnist  # noqa: E402
from adamcourse.keras_bridge import to_keras  # noqa: E402


class EpochTimer(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds = time.perf_counter() - self.start


def time_per_epoch(data, jit_compile: bool, rounds: int) -> dict[str, list[float]]:
    """Training-epoch seconds for Keras' Adam and the course's Adam, epochs interleaved."""
    models = {
        "keras": finale.build_cnn(keras.optimizers.Adam(), seed=0, jit_compile=jit_compile),
        "course": finale.build_cnn(to_keras(Adam.like_keras()), seed=0, jit_compile=jit_compile),
    }
    seconds = {name: [] for name in models}
    timer = EpochTimer()
    for round_ in range(rounds + 1):
        order = list(models) if round_ % 2 == 0 else list(models)[::-1]
        for name in order:
            models[name].fit(data.x_train, data.y_train, batch_size=60, epochs=1, verbose=0, callbacks=[timer])
            if round_ > 0:  # round 0 is the warm-up: graph building and compilation
                seconds[name].append(timer.seconds)
    return seconds


def time_per_step(model, rounds: int = 15, steps: int = 50) -> dict[str, list[float]]:
    """Seconds per optimizer step alone (no model), on the CNN's weight shapes, inside tf.function."""
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    shapes = [tuple(w.shape) for w in model.trainable_weights]

    def stepper(optimizer):
        weights = [keras.Variable(rng.normal(size=s).astype("float32")) for s in shapes]
        grads = [tf.constant(rng.normal(size=s).astype("float32")) for s in shapes]

        @tf.function
        def many_steps():
            for _ in tf.range(steps):
                optimizer.apply_gradients(zip(grads, weights))

        many_steps()  # graph building
        return many_steps

    timed = {"keras": stepper(keras.optimizers.Adam()), "course": stepper(to_keras(Adam.like_keras()))}
    seconds = {name: [] for name in timed}
    for _ in range(rounds):
        for name, many_steps in timed.items():
            start = time.perf_counter()
            many_steps()
            seconds[name].append((time.perf_counter() - start) / steps)
    return seconds


def time_to_accuracy(data, target: float, seeds: int, max_epochs: int, recipes: dict) -> dict:
    """Seconds and epochs until the held-out accuracy reaches ``target``, per recipe and seed.

    ``recipes`` maps each recipe to the most epochs it trains (lesson 07's schedule ends
    after its own epochs, so training on would not change it)."""
    results = {recipe.name: [] for recipe in recipes}
    for seed in range(seeds):
        order = list(recipes)
        order = order[seed % len(order) :] + order[: seed % len(order)]  # each recipe goes first in turn
        for recipe in order:
            epochs = min(max_epochs, recipes[recipe])
            run = finale.train(
                recipe.name,
                recipe.optimizer(),
                data,
                epochs=epochs,
                batch_size=recipe.batch_size,
                seed=seed,
                stop_at=target,
                verbose=False,
            )
            results[recipe.name].append((run.seconds_to_reach(target), run.epochs_to_reach(target), run.epoch_seconds))
            print(
                f"  seed {seed}  {recipe.name:<36} reached {target:.0%}: "
                f"{'never' if run.epochs_to_reach(target) is None else f'epoch {run.epochs_to_reach(target)}'}"
                f"  ({sum(run.epoch_seconds):.1f} s)",
                flush=True,
            )
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="timed epochs per optimizer without XLA (default 10)")
    parser.add_argument("--jit-rounds", type=int, default=5, help="timed epochs per optimizer with XLA (default 5)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per recipe for time to accuracy (default 5)")
    parser.add_argument("--target", type=float, default=0.95, help="held-out accuracy to reach (default 0.95)")
    parser.add_argument("--max-epochs", type=int, default=12)
    parser.add_argument("--only-time-to-accuracy", action="store_true", help="skip table 1")
    args = parser.parse_args(argv)

    data = load_mnist("sample")
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPU cores\n")
    if not args.only_time_to_accuracy:
        epoch_ratios(data, args)
    time_to_accuracy_table(data, args)
    return 0


def epoch_ratios(data, args) -> None:
    print("1. Time per training epoch, seed CNN, batch 60: course Adam / Keras Adam (goal <= 1.05)")
    print("   (median and fastest epoch of each; other programs on the machine only ever add time)")
    rows = [("optimizer step alone", time_per_step(finale.build_cnn(keras.optimizers.Adam())))]
    rows += [
        (f"epoch, jit_compile={jit}", time_per_epoch(data, jit, rounds))
        for jit, rounds in ((False, args.rounds), (True, args.jit_rounds))
    ]
    print(f"\n   {'':<28}{'Keras Adam s':>13}{'course Adam s':>14}{'ratio':>8}{'ratio fastest':>15}")
    for label, seconds in rows:
        keras_s, course_s = statistics.median(seconds["keras"]), statistics.median(seconds["course"])
        fastest = min(seconds["course"]) / min(seconds["keras"])
        print(f"   {label:<28}{keras_s:>13.5f}{course_s:>14.5f}{course_s / keras_s:>8.3f}{fastest:>15.3f}")


def time_to_accuracy_table(data, args) -> None:
    lesson07 = practice.recipe(len(data.x_train))
    recipes = {
        finale.BEST_RECIPE: args.max_epochs,
        lesson07: practice.RECIPE_SETTINGS["epochs"],
        finale.SEED_RECIPE: args.max_epochs,
    }
    print(
        f"\n2. Time to {args.target:.0%} held-out accuracy: notebook 06's and lesson 07's recipes vs the seed recipe "
        f"(goals >= 2x and >= 3x faster)"
    )
    results = time_to_accuracy(data, args.target, args.seeds, args.max_epochs, recipes)
    # The first epoch also builds TensorFlow's graphs (about a second here, the same for every
    # recipe); the last column shows what an epoch costs once they exist.
    print(f"\n   {'recipe':<56}{'median s':>10}{'epochs':>8}{'first epoch s':>15}{'later epochs s':>16}")
    medians = {}
    for recipe, epochs in recipes.items():
        name, runs = recipe.name, results[recipe.name]
        reached = [(s, e) for s, e, _ in runs if s is not None]
        first = statistics.median(seconds[0] for _, _, seconds in runs)
        later = [t for _, _, seconds in runs for t in seconds[1:]]
        if len(reached) < len(runs):
            print(
                f"   {name:<56}  did not reach {args.target:.0%} within {min(epochs, args.max_epochs)} epochs for "
                f"{len(runs) - len(reached)} of {len(runs)} seeds"
            )
        if reached:
            medians[name] = statistics.median(s for s, _ in reached)
            print(
                f"   {name:<56}{medians[name]:>10.2f}{statistics.median(e for _, e in reached):>8.1f}"
                f"{first:>15.2f}{statistics.median(later) if later else float('nan'):>16.2f}"
            )
    seed = medians.get(finale.SEED_RECIPE.name)
    for recipe, label in ((finale.BEST_RECIPE, "notebook 06's"), (lesson07, "lesson 07's")):
        if seed is not None and recipe.name in medians:
            print(f"   speed-up (seed / {label} recipe): {seed / medians[recipe.name]:.2f}x")
        # the ratio of the same seed's runs, then the median: a load change hits both runs of a seed alike
        paired = [
            s / r
            for (s, _, _), (r, _, _) in zip(results[finale.SEED_RECIPE.name], results[recipe.name])
            if s is not None and r is not None
        ]
        if paired:
            print(
                f"   median of the per-seed ratios (seed / {label}): {statistics.median(paired):.2f}x "
                f"(range {min(paired):.2f}-{max(paired):.2f})"
            )


if __name__ == "__main__":
    sys.exit(main())
