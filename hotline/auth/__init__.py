"""Users, roles and bearer tokens: who may use the hotline's web API and what each role may see."""
from hotline.auth.models import Role, Token, User
from hotline.auth.service import (
                                  AuthError,
                                  Principal,
                                  UnknownUser,
                                  UserExists,
                                  authenticate,
                                  create_user,
                                  issue_token,
                                  list_users,
                                  revoke_tokens,
)

__all__ = [
    "AuthError",
    "Principal",
    "Role",
    "Token",
    "UnknownUser",
    "User",
    "UserExists",
    "authenticate",
    "create_user",
    "issue_token",
    "list_users",
    "revoke_tokens",
]
