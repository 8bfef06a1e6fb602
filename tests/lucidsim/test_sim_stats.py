"""Generated usage: deterministic per seed and filespace, a gauge that moves both ways,
counters that only grow."""

from tests.fixtures.simulator import Simulator, SimulatorProcess

COUNTERS = (
    "getRequestCount",
    "getDataSize",
    "putRequestCount",
    "putDataSize",
    "listRequestCount",
    "deleteRequestCount",
)


def provisioned_filespace(simulator, name):
    """A filespace provisioned at the (frozen) simulated now."""
    simulator.freeze_clock()
    fs = simulator.create_filespace(name)
    simulator.set_filespace(fs["id"], status="provisioned")
    return fs


def stats_after(process, seconds):
    handle = Simulator(process)
    handle.reset()
    fs = provisioned_filespace(handle, "seeded")
    handle.advance_clock(seconds)
    shown = handle.api().get(f"/filespaces/{fs['id']}").json()
    return fs["id"], shown["stats"], shown["usersCount"]


def test_same_seed_gives_same_ids_and_same_stats_on_fresh_databases(tmp_path):
    readings = []
    for run, seed in enumerate((7, 7, 8)):
        process = SimulatorProcess(tmp_path / f"run{run}", seed=seed)
        process.start()
        try:
            readings.append(stats_after(process, 6 * 3600 + 123))
        finally:
            process.stop()

    first, second, other_seed = readings
    assert first == second
    assert first[1]["usedStorage"] > 0
    assert other_seed[0] != first[0]
    assert other_seed[1] != first[1]


def test_stats_are_the_same_after_a_restart(simulator):
    fs = provisioned_filespace(simulator, "steady")
    simulator.advance_clock(5000)
    before = simulator.api().get(f"/filespaces/{fs['id']}").json()

    simulator.restart()

    after = simulator.api().get(f"/filespaces/{fs['id']}").json()
    assert after["stats"] == before["stats"]
    assert after["usersCount"] == before["usersCount"]


def test_used_storage_goes_up_and_down_while_counters_never_go_back(simulator):
    simulator.set_faults(token_lifetime=10**8)  # the clock runs a day ahead
    fs = provisioned_filespace(simulator, "busy")
    api = simulator.api()
    readings = []
    for _ in range(200):
        simulator.advance_clock(450)  # half a segment: readings inside and at boundaries
        shown = api.get(f"/filespaces/{fs['id']}").json()
        readings.append((shown["stats"], shown["usersCount"]))

    used = [stats["usedStorage"] for stats, _ in readings]
    assert any(b > a for a, b in zip(used, used[1:], strict=False))
    assert any(b < a for a, b in zip(used, used[1:], strict=False))
    for counter in COUNTERS:
        values = [stats[counter] for stats, _ in readings]
        assert values == sorted(values), counter
        assert values[-1] > 0, counter
    for stats, users in readings:
        assert 0 < stats["filespaceSize"] <= stats["usedStorage"]
        assert users >= 1


def test_stats_stay_zero_until_provisioned(simulator):
    simulator.set_faults(provisioning_delay=600)
    fs = simulator.create_filespace("waiting")
    simulator.advance_clock(599)

    waiting = simulator.api().get(f"/filespaces/{fs['id']}").json()

    assert waiting["status"] == "provisioning"
    assert set(waiting["stats"].values()) == {0}
    assert waiting["usersCount"] == 0
    simulator.advance_clock(900)
    assert simulator.api().get(f"/filespaces/{fs['id']}").json()["stats"]["usedStorage"] > 0
