"""What the numbers say: reports, the dashboard, the cash forecast, the reminders' effectiveness, the weekly
report."""
