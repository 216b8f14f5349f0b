import threading

from voice_cecert.clock import FakeClock, MonotonicClock


def test_fake_clock_jumps_to_deadline():
    clock = FakeClock()
    assert clock.wait_until(12.5) is True
    assert clock.now() == 12.5


def test_fake_clock_scheduled_interrupt_stops_wait_at_its_time():
    clock = FakeClock()
    event = threading.Event()
    clock.call_at(4.0, event.set)
    assert clock.wait_until(10.0, event) is False
    assert clock.now() == 4.0


def test_fake_clock_scheduled_callback_without_interrupt_keeps_waiting():
    clock = FakeClock()
    seen: list[float] = []
    clock.call_at(3.0, lambda: seen.append(clock.now()))
    assert clock.wait_until(5.0) is True
    assert seen == [3.0]
    assert clock.now() == 5.0


def test_monotonic_clock_interrupt_returns_false_quickly():
    clock = MonotonicClock()
    event = threading.Event()
    event.set()
    assert clock.wait_until(clock.now() + 5, event) is False
