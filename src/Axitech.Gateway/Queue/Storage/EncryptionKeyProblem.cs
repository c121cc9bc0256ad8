namespace Axitech.Gateway.Queue;

/// <summary>What is wrong with a configured encryption key, if anything.</summary>
internal enum EncryptionKeyProblem
{
    None,
    Empty,
    NotBase64,
    WrongLength,
}
