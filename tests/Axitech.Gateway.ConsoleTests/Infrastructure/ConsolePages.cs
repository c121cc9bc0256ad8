using Microsoft.Playwright;

namespace Axitech.Gateway.ConsoleTests.Infrastructure;

/// <summary>What a user does in the console, as clicks and keystrokes.</summary>
internal static class ConsolePages
{
    /// <summary>Opens the console (which sends an anonymous user to the sign-in form), signs in, and returns the sign-in POST's response.</summary>
    public static async Task<IResponse> SignInAsync(this IPage page, string name, string password)
    {
        if (!page.Url.Contains("/console/sign-in", StringComparison.Ordinal))
        {
            await page.GotoAsync("/console/");
        }

        await page.FillAsync("#name", name);
        await page.FillAsync("#password", password);
        return await page.RunAndWaitForResponseAsync(
            () => page.ClickAsync("#sign-in"),
            r => r.Request.Method == "POST" && r.Url.Contains("/console/sign-in", StringComparison.Ordinal));
    }

    /// <summary>A new page of <paramref name="context"/>, signed in (the routes page open).</summary>
    public static async Task<IPage> SignedInPageAsync(this IBrowserContext context, string name, string password)
    {
        var page = await context.NewPageAsync();
        var response = await page.SignInAsync(name, password);
        Assert.Equal(302, response.Status);
        return page;
    }

    /// <summary>The antiforgery token of the current page's first form (every page has the sign-out form).</summary>
    public static Task<string> AntiforgeryTokenAsync(this IPage page)
        => page.Locator("input[name=__RequestVerificationToken]").First.InputValueAsync();

    /// <summary>A form POST from the browser context (its cookies, none of its pages' tokens unless given); redirects not followed.</summary>
    public static Task<IAPIResponse> PostFormAsync(this IBrowserContext context, string path, params (string Name, string Value)[] fields)
    {
        var form = context.APIRequest.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return context.APIRequest.PostAsync(path, new APIRequestContextOptions { Form = form, MaxRedirects = 0 });
    }

    public static async Task ScreenshotAsync(this IPage page, string name)
    {
        Directory.CreateDirectory(BrowserFixture.ScreenshotDirectory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, name), FullPage = true });
    }
}
