"""Excel output of payroll: payslips (one per payout) and the payroll sheet (one per run)."""
