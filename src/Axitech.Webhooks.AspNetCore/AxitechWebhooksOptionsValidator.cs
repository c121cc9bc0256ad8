using System.Globalization;
using Microsoft.Extensions.Options;

namespace Axitech.Webhooks.AspNetCore;

/// <summary>
/// Validates <c>Webhooks:Policies</c> and <c>Webhooks:Idempotency</c> at start-up and lists every problem at once, each
/// saying what to fix.
/// </summary>
internal sealed class AxitechWebhooksOptionsValidator : IValidateOptions<AxitechWebhooksOptions>, IValidateOptions<DeliveryIdempotencyOptions>
{
    public ValidateOptionsResult Validate(string? name, AxitechWebhooksOptions options)
    {
        var errors = new List<string>();
        if (options.Policies.Count == 0)
        {
            errors.Add("No webhook policy is configured: add one under Webhooks:Policies:{name} with at least one secret (Webhooks:Policies:{name}:Secrets:0).");
        }

        foreach (var (policyName, policy) in options.Policies)
        {
            var at = $"Webhooks:Policies:{policyName}";
            if (policy is null)
            {
                errors.Add($"{at} is empty: give it at least one secret ({at}:Secrets:0).");
                continue;
            }

            if (!(policy.Secrets ?? []).Any(s => !string.IsNullOrWhiteSpace(s)))
            {
                errors.Add($"{at} has no secret: set {at}:Secrets:0 to the secret shown in the Axitech widget admin page. Nothing verifies without one.");
            }

            if (policy.Tolerance <= TimeSpan.Zero)
            {
                errors.Add($"{at}:Tolerance is {policy.Tolerance}: it must be positive (the default is 00:05:00).");
            }

            if (policy.MaxBodyBytes is < 1 or > AxitechWebhookPolicyOptions.MaxMaxBodyBytes)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{at}:MaxBodyBytes is {policy.MaxBodyBytes}: it must be between 1 and {AxitechWebhookPolicyOptions.MaxMaxBodyBytes} (the default is {AxitechWebhookPolicyOptions.DefaultMaxBodyBytes})."));
            }

            if (string.IsNullOrWhiteSpace(policy.SignatureHeader))
            {
                errors.Add($"{at}:SignatureHeader is empty: remove it to use {AxitechSignature.SignatureHeaderName}.");
            }

            if (string.IsNullOrWhiteSpace(policy.TimestampHeader))
            {
                errors.Add($"{at}:TimestampHeader is empty: remove it to use {AxitechSignature.TimestampHeaderName}.");
            }

            if (!string.IsNullOrEmpty(policy.SignedPathPrefix) && (policy.SignedPathPrefix[0] != '/' || policy.SignedPathPrefix.EndsWith('/')))
            {
                errors.Add($"{at}:SignedPathPrefix is '{policy.SignedPathPrefix}': it must start with '/' and not end with one, such as /axitech.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public ValidateOptionsResult Validate(string? name, DeliveryIdempotencyOptions options)
    {
        var errors = new List<string>();
        if (options.Retention <= TimeSpan.Zero)
        {
            errors.Add($"{DeliveryIdempotencyOptions.SectionName}:Retention is {options.Retention}: it must be positive, and longer than the gateway queue's MaxAge (the default is 4.00:00:00).");
        }

        if (options.InFlightTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{DeliveryIdempotencyOptions.SectionName}:InFlightTimeout is {options.InFlightTimeout}: it must be positive (the default is 00:02:00).");
        }

        if (string.IsNullOrEmpty(options.KeyPrefix))
        {
            errors.Add($"{DeliveryIdempotencyOptions.SectionName}:KeyPrefix is empty: remove it to use axitech:delivery:.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
