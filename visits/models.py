"""Models of the visits app arrive with its issue; the app is installed now so URLs and navigation have a home."""
