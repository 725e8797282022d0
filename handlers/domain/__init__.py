"""Domain rules shared by the chat, the console, the command line and the scheduler: the
calendar (Vietnam time and working days), the vocabularies, the message types, recurrence,
announcements, reminders and retention. Imports only content, db and this package."""
