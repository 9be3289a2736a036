"""Deployments: plan, roll out in waves, confirm and judge the value of improvements
(OPM SP 3.1, SP 3.2 and SP 3.3)."""
