"""The health workforce: practitioners, their licences and specialties, and their employments."""
