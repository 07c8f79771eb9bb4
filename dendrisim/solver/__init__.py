"""Time integration: Newton, step-size control, mesh motion (ALE), stop rules and events."""
