"""Usage readings, price plans, invoices and reconciliation with LucidLink's bills."""
