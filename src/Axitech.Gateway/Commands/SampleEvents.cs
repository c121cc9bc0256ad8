using System.Security.Cryptography;
using System.Text;
using Axitech.Webhooks;

namespace Axitech.Gateway.Commands;

/// <summary>Sample deliveries shaped like the vendor's documented payloads, fresh each time (a new session id and time).</summary>
internal static class SampleEvents
{
    public const string SessionSubmitted = "session.submitted";

    private const string SessionIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static IReadOnlyList<string> Names { get; } = [SessionSubmitted];

    /// <summary>The body of a <c>session.submitted</c> event as the vendor documents it, with made-up contact data.</summary>
    public static byte[] CreateSessionSubmitted(TimeProvider timeProvider)
    {
        var now = WebhookTimestamp.FormatIso8601(timeProvider.GetUtcNow());
        var sessionId = RandomNumberGenerator.GetString(SessionIdAlphabet, 20);
        var json = $$"""
            {
              "created_at": "{{now}}",
              "api_version": "v1",
              "group_type": "WidgetEvent",
              "event_type": "session.submitted",
              "data": {
                "sessionId": "{{sessionId}}",
                "date": "{{now}}",
                "integrations": [
                  {
                    "key": "brokerDirect",
                    "id": "750800",
                    "reference": "MIS/708194",
                    "name": "Broker Direct",
                    "status": "success"
                  }
                ],
                "meta": {
                  "contact": { "phone": "123-456-7890", "email": "contact@example.com" },
                  "policy": {
                    "provider": "ABC Insurance",
                    "number": "P12345",
                    "validTo": "2001-01-01",
                    "validFrom": "2000-01-01",
                    "vehicle": { "licensePlate": "XYZ-123" },
                    "holder": { "phone": "987-654-3210", "email": "user@example.com", "firstName": "John", "lastName": "Doe" },
                    "linkedContacts": [
                      { "firstName": "Jane", "lastName": "Doe", "email": "jane.doe@test.com" },
                      { "firstName": "Test", "lastName": "User", "email": "test@test.com" }
                    ]
                  },
                  "currentUserId": "test-123",
                  "privacyPolicyUrl": "https://example.com/privacy-policy"
                }
              }
            }
            """;
        return Encoding.UTF8.GetBytes(json);
    }
}
