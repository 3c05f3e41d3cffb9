import workflow_migrator


def test_all_is_sorted_and_complete() -> None:
    exported = workflow_migrator.__all__
    assert exported == sorted(exported, key=str.casefold)
    public = {name for name in vars(workflow_migrator)
              if not name.startswith("_") and name not in {"annotations"}}
    assert public == set(exported)
