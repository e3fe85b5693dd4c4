"""Compare the code surface with the documented surface: discrepancies, baseline, fixes."""
