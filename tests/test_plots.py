import matplotlib.image as mpimg
import pytest

from sim.plots import books_figure, run_figures
from sim.runner import simulate


@pytest.fixture(scope="module")
def timeseries(small_cfg):
    return simulate(small_cfg)[0]


def test_a_run_draws_three_figures(timeseries, tmp_path):
    paths = run_figures(timeseries, 10, tmp_path, warmup_days=2)
    assert [p.name for p in paths] == ["queues.png", "books.png", "people.png"]
    for path in paths:
        image = mpimg.imread(path)
        assert image.shape[0] > 300 and image.shape[1] > 600
        assert image[..., :3].std() > 0.01  # something was drawn, not a blank canvas


def test_the_books_are_indexed_to_the_pre_rollout_baseline(timeseries, tmp_path, monkeypatch):
    plotted = {}
    import matplotlib.axes

    original = matplotlib.axes.Axes.plot

    def spy(self, x, y, *args, label=None, **kwargs):
        plotted[label] = y
        return original(self, x, y, *args, label=label, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "plot", spy)
    books_figure(timeseries, 10, tmp_path / "books.png", warmup_days=2)
    messages = plotted["dashboard: messages sent"]
    # a 10-day rolling mean over the baseline days averages to about the index 100
    assert messages.loc[2:9].mean() == pytest.approx(100, rel=0.15)
    assert "outcome: qualified pipeline" in plotted
