from enum import StrEnum


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


class AuditAction(StrEnum):
    READ = "read"
    SEARCH = "search"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    MERGE = "merge"
    UNMERGE = "unmerge"
    LOGIN = "login"
    LOGOUT = "logout"
    EXPORT = "export"
    EXECUTE = "execute"
