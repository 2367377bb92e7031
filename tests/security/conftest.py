import pytest


@pytest.fixture
def demo():
    from compensation.demo import seed_demo

    return seed_demo()
