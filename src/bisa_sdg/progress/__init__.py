"""Pure assessment logic: progress methods, verdict statistics, spread across areas, distance to target."""
