"""The finale's support code: the seed's CNN, timed runs, the table, the curves, the exercise."""

import math

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from adamcourse import Adam, finale  # noqa: E402
from adamcourse.checks import Verdict, run_check  # noqa: E402
from adamcourse.exercises import EXERCISES  # noqa: E402

TUNED_ADAGRAD = EXERCISES["ex06_tuned_adagrad"]
from adamcourse.data import load_mnist  # noqa: E402
from adamcourse.keras_bridge import CourseAdam, to_keras  # noqa: E402


@pytest.fixture(scope="module")
def small_data():
    return load_mnist("sample", n_train=240, n_test=60, verbose=False)


def made_up_run(val_accuracy, seconds, name="Adam"):
    n = len(val_accuracy)
    history = {
        "loss": [1.0 / (i + 1) for i in range(n)],
        "accuracy": list(val_accuracy),
        "val_loss": [1.2 / (i + 1) for i in range(n)],
        "val_accuracy": list(val_accuracy),
    }
    return finale.Run(name, history, list(seconds), batch_size=60)


def test_the_cnn_is_the_seed_articles():
    model = finale.build_cnn(keras.optimizers.Adam())
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense", "Dropout", "Dense"]
    assert [layer.rate for layer in model.layers if kinds[model.layers.index(layer)] == "Dropout"] == [0.25, 0.5]
    # parameters by hand: 3*3*32 + 32; (13*13*32)*128 + 128; 128*10 + 10
    assert model.count_params() == (9 * 32 + 32) + (13 * 13 * 32 * 128 + 128) + (128 * 10 + 10)
    assert model.layers[-1].activation.__name__ == "softmax"


def test_build_cnn_needs_an_optimizer_object():
    with pytest.raises(TypeError, match="needs a Keras optimizer object"):
        finale.build_cnn("adam")


def test_train_records_one_value_per_epoch_and_learns(small_data):
    run = finale.train("course Adam", to_keras(Adam(lr=0.003)), small_data, epochs=3, verbose=False)
    assert run.epochs == 3 and all(len(v) == 3 for v in run.history.values())
    assert all(s > 0 for s in run.epoch_seconds)
    assert run.history["loss"][-1] < run.history["loss"][0]
    assert run.final_val_accuracy > 0.3  # well above guessing (0.1) after 720 images seen 3 times


def test_same_seed_same_training_and_stop_at_stops_early(small_data):
    a = finale.train("a", keras.optimizers.Adam(0.003), small_data, epochs=2, verbose=False)
    b = finale.train("b", keras.optimizers.Adam(0.003), small_data, epochs=2, verbose=False)
    assert a.history == b.history
    stopped = finale.train("c", keras.optimizers.Adam(0.003), small_data, epochs=5, stop_at=0.0, verbose=False)
    assert stopped.epochs == 1


def test_progress_prints_one_line_per_epoch(small_data, capsys):
    finale.train("Keras Adam", keras.optimizers.Adam(), small_data, epochs=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and "epoch 1/2" in lines[0] and "val accuracy" in lines[1]


def test_train_rejects_bad_arguments(small_data):
    with pytest.raises(TypeError, match="load_mnist"):
        finale.train("x", keras.optimizers.Adam(), (small_data.x_train, small_data.y_train), epochs=1)
    with pytest.raises(ValueError, match="epochs must be a whole number"):
        finale.train("x", keras.optimizers.Adam(), small_data, epochs=0)


def test_epochs_and_seconds_to_reach_a_target():
    run = made_up_run([0.5, 0.8, 0.91, 0.95], [3.0, 1.0, 1.5, 1.0])
    assert run.epochs_to_reach(0.9) == 3 and run.seconds_to_reach(0.9) == 5.5
    assert run.epochs_to_reach(0.99) is None and run.seconds_to_reach(0.99) is None
    assert run.seconds_per_epoch == 1.25  # the median, not pulled up by the first epoch


def test_results_table_has_one_row_per_run():
    runs = {"SGD": made_up_run([0.5, 0.7], [1.0, 1.0], "SGD"), "Adam": made_up_run([0.85, 0.93], [2.0, 1.0])}
    table = finale.results_table(runs, target=0.9).splitlines()
    assert len(table) == 4 and "epochs to 90%" in table[0]
    assert table[2].split() == ["SGD", "0.700", "1.00", ">", "2"]
    assert table[3].split() == ["Adam", "0.930", "1.50", "2"]


def test_plot_curves_draws_each_history_in_its_panel():
    import matplotlib

    matplotlib.use("Agg")
    runs = {
        "Keras Adam": made_up_run([0.8, 0.9], [1, 1], "Keras Adam"),
        "course Adam": made_up_run([0.8, 0.9], [1, 1], "course Adam"),
    }
    axes = finale.plot_curves(runs)
    val_acc = axes[1, 1]
    assert [line.get_label() for line in val_acc.lines] == ["Keras Adam", "course Adam"]
    np.testing.assert_array_equal(val_acc.lines[1].get_xydata(), [[1, 0.8], [2, 0.9]])
    assert val_acc.lines[0].get_color() != val_acc.lines[1].get_color()
    assert val_acc.lines[1].get_linestyle() == "--"


def test_plot_curves_tick_whole_epochs_and_keep_the_legend_off_the_curves():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from adamcourse import plotting

    names = ["SGD", "SGD + momentum", "Adagrad", "RMSprop", "Keras Adam", "course Adam"]
    runs = {
        name: made_up_run([0.5 + 0.05 * i, 0.6 + 0.05 * i, 0.7 + 0.05 * i], [1, 1, 1], name)
        for i, name in enumerate(names)
    }
    with plt.rc_context(plotting.COURSE_STYLE):
        axes = finale.plot_curves(runs)
        figure = axes[0, 0].figure
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        for ax in axes.flat:
            shown = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
            assert shown == [1, 2, 3]  # not 1.0, 1.5, 2.0, ...
            assert ax.get_legend() is None
        (legend,) = figure.legends
        assert [t.get_text() for t in legend.get_texts()] == names
        assert legend.get_window_extent(renderer).y1 < min(ax.get_window_extent(renderer).y0 for ax in axes.flat)
        # Every optimizer its own marker, so close curves stay apart; course Adam rides on Keras Adam.
        markers = [line.get_marker() for line in axes[1, 1].lines]
        assert len(set(markers[:5])) == 5 and markers[5] == markers[4]
        keras, course = axes[1, 1].lines[4], axes[1, 1].lines[5]
        assert keras.get_linewidth() > course.get_linewidth() and course.get_zorder() > keras.get_zorder()
    plt.close("all")


def test_largest_weight_difference():
    a = finale.build_cnn(keras.optimizers.Adam(), seed=0)
    b = finale.build_cnn(keras.optimizers.Adam(), seed=0)
    assert finale.largest_weight_difference(a, b) == 0.0
    weights = b.get_weights()
    weights[2][5, 7] += 0.25
    b.set_weights(weights)
    assert finale.largest_weight_difference(a, b) == pytest.approx(0.25)


def test_course_adam_and_keras_adam_train_the_cnn_identically(small_data):
    k = finale.train("Keras Adam", keras.optimizers.Adam(), small_data, epochs=1, verbose=False)
    c = finale.train("course Adam", CourseAdam(eps=1e-7, eps_hat=True), small_data, epochs=1, verbose=False)
    assert finale.largest_weight_difference(k.model, c.model) < 1e-5


def test_quick_mode_follows_the_environment(monkeypatch):
    monkeypatch.setenv("ADAMCOURSE_QUICK", "1")
    assert finale.mode() is finale.QUICK
    monkeypatch.delenv("ADAMCOURSE_QUICK")
    assert finale.mode() is finale.FULL


# --- the exercise ----------------------------------------------------------------


@pytest.mark.parametrize(
    "answer, words",
    [
        (0.1, "should return a dict"),
        ({"learning_rate": 0.1}, "no setting"),
        ({"lr": -1.0}, "not valid"),
    ],
)
def test_tuning_answers_that_cannot_be_trained_are_explained_without_training(answer, words):
    verdict = TUNED_ADAGRAD.judge((), answer)
    assert isinstance(verdict, Verdict) and not verdict.passed and words in verdict.message


@pytest.mark.slow
def test_the_reference_settings_pass_and_keras_defaults_fail():
    assert run_check(TUNED_ADAGRAD, lambda: {"lr": 0.1}).passed
    too_small = run_check(TUNED_ADAGRAD, lambda: {})
    assert not too_small.passed and "still crawling" in too_small.message
    too_large = TUNED_ADAGRAD.judge((), {"lr": 3.0})
    assert not too_large.passed and "too large" in too_large.message


def test_an_unattempted_exercise_is_reported_as_such(capsys):
    def tuned_adagrad():
        raise NotImplementedError()

    finale.check_tuned_adagrad(tuned_adagrad)
    assert "not attempted yet" in capsys.readouterr().out


def test_a_broken_answer_is_reported_not_raised(capsys):
    finale.check_tuned_adagrad(lambda: 1 / 0)
    assert "✘ Not yet. `tuned_adagrad` raised ZeroDivisionError" in capsys.readouterr().out
    finale.check_tuned_adagrad({"lr": 0.1})
    assert "Pass the function itself" in capsys.readouterr().out


def test_recipes_build_fresh_keras_twins():
    a, b = finale.BEST_RECIPE.optimizer(), finale.BEST_RECIPE.optimizer()
    assert a is not b and a.numpy_twin() == finale.BEST_RECIPE.numpy_optimizer
    assert finale.SEED_RECIPE.batch_size == 60 and finale.SEED_RECIPE.numpy_optimizer == Adam.like_keras()
    assert math.isclose(finale.TARGET, 0.9)
