using Microsoft.Playwright;

namespace Axitech.Gateway.ConsoleTests.Infrastructure;

/// <summary>
/// One headless Chromium for a test class: Debian's <c>chromium</c> package driven by Playwright's driver (shipped in
/// its NuGet package). Playwright's own browsers are never downloaded (no <c>playwright install</c>). Without the
/// package the tests are skipped, or fail under CI.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>Where the tests save screenshots: <c>screenshots/</c> beside the test assembly.</summary>
    public static string ScreenshotDirectory => Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ChromiumPath, Headless = true });
    }

    /// <summary>A fresh browser context (its own cookies) on <paramref name="baseUrl"/>; skips the test when chromium is missing.</summary>
    public async Task<IBrowserContext> NewContextAsync(string baseUrl)
    {
        Prerequisites.Require(_browser is null ? null : ChromiumPath, "chromium");
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 720 },
        });
        context.SetDefaultTimeout(30_000);
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
