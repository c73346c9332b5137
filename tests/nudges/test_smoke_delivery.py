from datetime import timedelta

from bot.delivery import Dispatcher
from tests.nudges.conftest import START, plan_meeting


async def test_smoke(services, fake_slack):
    fake_slack.add_user("UANN", tz="Europe/London")
    await plan_meeting(services, attendees=["UANN"], ends_at=START)
    dispatcher = Dispatcher(services)
    services.clock.advance(timedelta(minutes=31))
    report = await dispatcher.run_once()
    print(report)
    assert len(fake_slack.delivered("chat.postMessage")) == 1
